"""fakenova in other projects' tests: the pytest plugin (``pytest_plugin``, registered as a
``pytest11`` entry point) and the handle its ``fakenova`` fixture gives (``handle``). Nothing is
imported here, so that loading the plugin in every pytest run costs almost nothing."""
