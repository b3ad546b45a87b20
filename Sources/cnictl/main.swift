print("cnictl")
