import BandwidthPlugin
import CNISpec

PluginMain.run(BandwidthPlugin())
