print("loopback")
