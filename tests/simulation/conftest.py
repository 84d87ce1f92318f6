pytest_plugins = ["fundsvc.store.testing"]
