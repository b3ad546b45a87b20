import CNISpec
import TuningPlugin

PluginMain.run(TuningPlugin())
