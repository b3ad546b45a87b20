import BridgePlugin
import HostLocalPlugin
import PluginRuntime

BridgePlugin.prepareProcess()
// host-local from this build runs in-process instead of being exec'd (see `InProcessIPAM`).
PluginMain.run(BridgePlugin(ipamRunner: InProcessIPAM.runner(["host-local": HostLocalPlugin()])))
