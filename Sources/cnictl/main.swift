CNICtl.main()
