import CNISpec
import HostLocalPlugin

PluginMain.run(HostLocalPlugin())
