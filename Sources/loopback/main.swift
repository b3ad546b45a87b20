import CNISpec
import LoopbackPlugin

PluginMain.run(LoopbackPlugin())
