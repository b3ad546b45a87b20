import CNISpec
import FirewallPlugin

PluginMain.run(FirewallPlugin())
