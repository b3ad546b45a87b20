import BridgePlugin
import CNISpec

PluginMain.run(BridgePlugin())
