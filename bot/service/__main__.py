import sys

from bot.service.main import main

sys.exit(main())
