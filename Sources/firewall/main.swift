import PluginRuntime
import FirewallPlugin

PluginMain.run(FirewallPlugin())
