# An absolute import on purpose: PyInstaller runs this file as a top-level script,
# where a relative import fails (pyinstaller#2560).
from messagerie.app import main

if __name__ == "__main__":
    raise SystemExit(main())
