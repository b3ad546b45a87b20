import BridgePlugin
import CNISpec

BridgePlugin.prepareProcess()
PluginMain.run(BridgePlugin())
