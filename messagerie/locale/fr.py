"""French catalog (the default language). Keys are stable; values are str.format templates."""

MESSAGES = {
    # Errors: "error.<code>", where <code> is the stable code used on the wire and in --json.
    "error.frame_too_large": "Message trop volumineux (au plus {limit} octets par trame).",
    "error.empty_frame": "Trame vide reçue.",
    "error.bad_utf8": "Texte reçu illisible (UTF-8 invalide).",
    "error.bad_json": "Données reçues illisibles (JSON invalide).",
    "error.not_an_object": "Données reçues mal formées (un objet JSON était attendu).",
    "error.unknown_type": "Type de message inconnu : {type}.",
    "error.bad_field": "Champ invalide ou manquant : {field}.",
    "error.text_too_long": "Message trop long : {limit} caractères au plus.",
    "error.bad_name": "Nom invalide : 1 à 40 caractères, sans caractère de contrôle.",
    "error.unsupported_version": "Version du protocole non prise en charge.",
    "error.unexpected_message": "Message inattendu à ce moment de l'échange.",
    "error.handshake_timeout": "La connexion n'a pas été établie à temps.",
    "error.room_full": "La discussion est complète.",
    "error.too_many_connections": "Trop de connexions depuis cette adresse.",
    "error.slow_reader": "Connexion trop lente : déconnecté pour ne pas bloquer les autres.",
    "error.peer_timeout": "Plus de nouvelles de l'autre côté : connexion perdue.",
    "error.room_closed": "L'hôte a fermé la discussion.",
    "error.port_in_use": (
        "Le port {port} est déjà utilisé sur cette machine. Essayez le port {suggestion}."
    ),
    "error.port_denied": "Le système refuse d'écouter sur le port {port} (droits insuffisants).",
    "error.address_unavailable": "L'adresse {host} n'appartient pas à cette machine.",
    "error.bad_port": "Port invalide : un nombre entre 1 et 65535 est attendu.",
    "error.bad_host": "Adresse invalide : une adresse IP ou un nom de machine est attendu.",
    "error.unknown_host": "Machine introuvable : « {host} ». Vérifiez l'adresse.",
    "error.connection_refused": (
        "Personne n'écoute à l'adresse {host}:{port}. Le serveur est-il lancé ? "
        "Êtes-vous sur le même réseau ? Un pare-feu bloque-t-il la connexion ?"
    ),
    "error.connection_timeout": (
        "Pas de réponse de {host}:{port}. Vérifiez l'adresse, le pare-feu, et que le Wi-Fi "
        "n'isole pas les appareils (isolation des clients, VPN, machine virtuelle)."
    ),
    "error.connection_lost": "La connexion avec le serveur a été perdue.",
    "error.network_error": "Erreur réseau : {detail}.",
    "error.internal": "Erreur interne — voir le journal.",
    "error.storage": "Impossible d'écrire dans {path} : {detail}. La discussion continue en mémoire.",
    # Lines of the original brief, shown in the history and in headless mode.
    "line.waiting": "En attente de connexion...",
    "line.connection_from": "Connexion établie avec {address}",
    "line.connected": "Connecté au serveur",
    "line.chat": "{name} : {text}",
    "line.joined": "{name} a rejoint la discussion",
    "line.left": "{name} a quitté la discussion",
    "line.disconnected": "Déconnecté : {reason}",
    "line.reconnecting": "Reconnexion dans {delay} s...",
    "line.listening": "Discussion ouverte sur {addresses}",
    "line.room_closed": "L'hôte a fermé la discussion.",
    "error.handshake_failed": "Le serveur a fermé la connexion pendant l'ouverture. Il utilise peut-être le chiffrement, ou l'inverse (option --no-tls d'un seul côté).",
    "error.tls_failed": "La connexion chiffrée avec {host}:{port} a échoué ({detail}). Le serveur est-il bien une Messagerie chiffrée ?",
    "error.replaced": "Cette connexion a été remplacée par une plus récente du même participant.",
    "warning.database_corrupt": "Un fichier de discussion était endommagé : il a été mis de côté ({path}) et un nouveau a été créé.",
    "warning.database_memory": "Impossible d'écrire dans {path} ({detail}). La discussion continue, mais ne sera pas gardée après la fermeture.",
    "line.safety_code": "Code de sécurité : {code}",
    "line.not_encrypted": "Attention : discussion non chiffrée.",
}
