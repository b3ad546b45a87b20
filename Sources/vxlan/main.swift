import CNISpec
import VxlanPlugin

PluginMain.run(VxlanPlugin())
