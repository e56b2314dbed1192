"""The reference program of `scripts/bench.py startup`: one ttkbootstrap window, nothing else.

It is built with messagerie.spec's own options, so the app's size and start-up time can be
compared with the smallest program our stack allows. It stays minimal on purpose: a label,
an entry and a button, the widgets every Messagerie window has.
"""

import ttkbootstrap as ttk

if __name__ == "__main__":
    window = ttk.Window(title="Bench hello")
    ttk.Label(window, text="Votre nom").pack(padx=12, pady=(12, 4))
    ttk.Entry(window).pack(padx=12, pady=4)
    ttk.Button(window, text="Envoyer").pack(padx=12, pady=(4, 12))
    window.mainloop()
