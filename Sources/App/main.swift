print("cobrowse")
