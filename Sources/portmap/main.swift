import CNISpec
import PortMapPlugin

PluginMain.run(PortMapPlugin())
