print("host-local")
