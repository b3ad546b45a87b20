import PluginRuntime
import TuningPlugin

PluginMain.run(TuningPlugin())
