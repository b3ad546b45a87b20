import PluginRuntime
import LoopbackPlugin

PluginMain.run(LoopbackPlugin())
