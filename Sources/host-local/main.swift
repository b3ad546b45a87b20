import PluginRuntime
import HostLocalPlugin

PluginMain.run(HostLocalPlugin())
