import PluginRuntime
import VxlanPlugin

PluginMain.run(VxlanPlugin())
