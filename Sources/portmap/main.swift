import PluginRuntime
import PortMapPlugin

PluginMain.run(PortMapPlugin())
