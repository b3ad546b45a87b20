import BandwidthPlugin
import PluginRuntime

PluginMain.run(BandwidthPlugin())
