from fakenova.cli import main

raise SystemExit(main())
