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
    "error.connection_refused": "Personne n'écoute à l'adresse {host}:{port}. La discussion est-elle créée ? Êtes-vous sur le même réseau ? Un pare-feu bloque-t-il la connexion ?",
    "error.connection_timeout": (
        "Pas de réponse de {host}:{port}. Vérifiez l'adresse, le pare-feu, et que le Wi-Fi "
        "n'isole pas les appareils (isolation des clients, VPN, machine virtuelle)."
    ),
    "error.connection_lost": "La connexion avec le serveur a été perdue.",
    "error.network_error": "Erreur réseau : {detail}.",
    "error.unknown_code": "Erreur signalée sans explication (code « {code} »).",
    "error.server_said": "Le serveur signale : « {text} »",
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
    "error.replaced": "Cette connexion a été remplacée par une plus récente du même participant.",
    "error.database_corrupt": "Un fichier de discussion était endommagé : il a été mis de côté ({path}) et un nouveau a été créé.",
    "error.database_in_use": "Une autre Messagerie héberge déjà une discussion avec {path}. Celle-ci continue, mais ne sera pas gardée après la fermeture.",
    "error.database_memory": "Impossible d'écrire dans {path} ({detail}). La discussion continue, mais ne sera pas gardée après la fermeture.",
    "line.safety_code": "Code de sécurité : {code}",
    "line.not_encrypted": "Attention : discussion non chiffrée.",
    # Security
    "error.wrong_password": "Mot de passe incorrect.",
    "error.password_guessing": "Quelqu'un essaie de deviner le mot de passe de la discussion : trop d'essais faux, les nouvelles connexions avec mot de passe sont refusées pendant {seconds} s. Les participants déjà connus peuvent revenir.",
    "error.too_many_attempts": (
        "Trop d'essais de mot de passe depuis cette adresse. Réessayez dans une minute, "
        "et vérifiez le mot de passe auprès de l'hôte."
    ),
    "error.password_required": (
        "Cette discussion est protégée par un mot de passe. Demandez-le à l'hôte."
    ),
    "error.server_auth_failed": (
        "Le serveur n'a pas prouvé qu'il connaît le mot de passe : connexion interrompue. "
        "Quelqu'un se fait peut-être passer pour lui sur le réseau."
    ),
    "error.identity_changed": (
        "L'identité du serveur {host} a changé. Ancien code de sécurité : {old}. "
        "Nouveau : {new}. Si l'hôte n'a pas réinstallé Messagerie, quelqu'un se fait "
        "peut-être passer pour lui : comparez le nouveau code avec l'hôte avant de l'accepter."
    ),
    "error.tls_required": (
        "Connexion impossible : l'un des deux côtés chiffre la connexion et l'autre non. "
        "Utilisez la même version de Messagerie et le même réglage de chiffrement des deux côtés."
    ),
    "error.tls_failed": (
        "La connexion sécurisée n'a pas pu être établie. Vérifiez l'adresse et que l'hôte "
        "utilise une version récente de Messagerie."
    ),
    "error.identity_regenerated": (
        "L'identité de ce serveur était illisible : une nouvelle a été créée. Les participants "
        "déjà venus verront « identité changée » : donnez-leur le nouveau code de sécurité."
    ),
    "error.identity_unreadable": (
        "Impossible de lire l'identité de ce serveur ({path} : {detail}). Elle n'a pas été "
        "remplacée, pour que les participants ne voient pas « identité changée ». Vérifiez "
        "que ce fichier appartient à votre compte et que vous pouvez le lire (droits, disque "
        "ou lecteur réseau), puis relancez."
    ),
    "error.not_owned": (
        "Messagerie refuse d'utiliser {path} : ce dossier ou fichier appartient à un autre "
        "compte de cet ordinateur ({owner}), ou c'est un lien posé par lui. Ce compte pourrait "
        "lire vos discussions ou remplacer l'identité du serveur. Choisissez un dossier à vous "
        "(--data-dir ou MESSAGERIE_HOME), ou rendez-le à votre compte."
    ),
    "cli.password_prompt": "Mot de passe du salon : ",
    "cli.password_needs_terminal": (
        "--password - demande un terminal pour taper le mot de passe ; sans terminal, "
        "utilisez la variable d'environnement {env}."
    ),
    "cli.password_empty": "Mot de passe vide.",
    "error.identity_temporary": (
        "Impossible d'enregistrer l'identité de ce serveur dans {path} ({detail}). Une identité "
        "temporaire est utilisée : au prochain lancement, les participants verront "
        "« identité changée »."
    ),
    "error.known_hosts_reset": (
        "La liste des serveurs connus était illisible ; elle a été mise de côté ({path}). "
        "Les serveurs seront traités comme nouveaux : vérifiez leur code de sécurité."
    ),
    "label.safety_code": "Code de sécurité",
    "label.safety_code_hint": (
        "Comparez ce code à voix haute avec l'hôte : s'il est identique, "
        "personne ne s'interpose entre vous."
    ),
    "label.encrypted": "chiffré",
    "label.unencrypted": "non chiffré",
    "label.password": "Mot de passe",
    "label.remember_password": "Se souvenir du mot de passe",
    "label.trust_new_identity": "Accepter la nouvelle identité",
    "line.first_contact": "Première connexion à {host} : code de sécurité {code}. Comparez-le avec celui affiché chez l'hôte.",
    "line.identity_accepted": "Vous avez accepté la nouvelle identité de {host}. Ancien code de sécurité : {old}. Nouveau : {new}.",
    "error.wrong_password_or_impostor": "Mot de passe refusé. Si vous êtes sûr du mot de passe, quelqu'un se fait peut-être passer pour l'hôte : comparez ce code de sécurité avec celui affiché chez l'hôte : {safety_code}.",
    "error.identity_not_checked": "Sans chiffrement, rien ne prouve que vous parlez au bon hôte : son identité enregistrée n'est pas vérifiée.",
    # GUI
    "gui.app_title": "Messagerie",
    "gui.title_unread": "({count}) Messagerie",
    "gui.menu.view": "Affichage",
    "gui.menu.theme_light": "Thème clair",
    "gui.menu.theme_dark": "Thème sombre",
    "gui.menu.language": "Langue",
    "gui.menu.language_system": "Langue du système",
    "gui.menu.language_fr": "Français",
    "gui.menu.language_en": "English",
    "gui.menu.quit": "Quitter",
    "gui.notice.close": "Fermer",
    "gui.notice.settings_damaged": (
        "Les réglages étaient illisibles : ils ont été mis de côté ({path}) "
        "et les réglages par défaut sont utilisés."
    ),
    "gui.start.welcome": "Bienvenue dans Messagerie",
    "gui.start.intro": (
        "Discutez avec les personnes de votre réseau local, sans compte ni internet."
    ),
    "gui.start.name": "Votre nom",
    "gui.start.name_hint": "Les autres verront ce nom à côté de vos messages. Laissé vide, un nom par défaut est choisi.",
    "gui.start.host_title": "Créer une discussion",
    "gui.start.host_intro": "Les autres vous rejoindront sur cet ordinateur. Si le pare-feu demande l'autorisation, acceptez pour le réseau privé.",
    "gui.start.host_ip": "Adresse d'écoute",
    "gui.start.host_ip_hint": "0.0.0.0 = toutes les cartes réseau de cet ordinateur",
    "gui.start.port": "Port",
    "gui.start.password": "Mot de passe (facultatif)",
    "gui.start.host_button": "Créer la discussion",
    "gui.start.join_title": "Rejoindre une discussion",
    "gui.start.join_intro": "Choisissez une discussion trouvée sur le réseau, ou tapez l'adresse que la personne qui héberge vous a donnée.",
    "gui.start.join_ip": "Adresse de la discussion",
    "gui.start.join_ip_hint": "Celle que la personne qui héberge voit dans sa fenêtre, sous « Adresse à donner aux autres ».",
    "gui.start.join_button": "Rejoindre",
    "gui.start.starting": "Démarrage…",
    "gui.start.connecting": "Connexion…",
    "gui.error.host_empty": "Tapez une adresse IP ou un nom de machine.",
    "gui.error.name_empty": "Tapez un nom.",
    "gui.error.name_too_long": "Nom trop long : {limit} caractères au plus.",
    "gui.error.name_forbidden": "Ce nom contient un caractère interdit.",
    "gui.error.text_empty": "Le message est vide.",
    "gui.error.text_too_long": (
        "Message trop long : {length} caractères pour {limit} au plus. "
        "Raccourcissez-le ou envoyez-le en plusieurs fois."
    ),
    "gui.error.text_forbidden": "Ce message contient un caractère de contrôle interdit.",
    "gui.error.wrong_password": "Mot de passe incorrect. Vérifiez-le auprès de l'hôte.",
    "gui.error.port_in_use_hint": (
        "Le port {suggestion} a été inscrit à sa place : cliquez à nouveau sur « {button} »."
    ),
    "gui.chat.status_waiting": "En attente de connexion...",
    "gui.chat.status_people": "Connecté — {count} participant(s)",
    "gui.chat.status_connecting": "Connexion…",
    "gui.chat.status_disconnected": "Déconnecté",
    "gui.chat.not_encrypted": "non chiffré",
    "gui.chat.encrypted": "chiffré",
    "gui.chat.safety_code": "Code de sécurité : {code}",
    "gui.chat.address_label": "Adresse à donner aux autres :",
    "gui.chat.copy": "Copier",
    "gui.chat.copied": "Copié !",
    "gui.chat.participants": "Participants",
    "gui.chat.you": "{name} (vous)",
    "gui.file.send": "Envoyer un fichier…",
    "gui.file.pick_title": "Choisir les fichiers à envoyer",
    "gui.file.download": "Télécharger",
    "gui.file.cancel": "Annuler",
    "gui.file.open": "Ouvrir",
    "gui.file.show_in_folder": "Afficher dans le dossier",
    "gui.file.meta": "{size} · de {sender}",
    "gui.file.progress_start": "{done} sur {total}",
    "gui.file.progress": "{done} sur {total} · {rate}/s · encore {left}",
    "gui.file.seconds": "{n} s",
    "gui.file.minutes": "{m} min {s} s",
    "gui.file.hours": "{h} h {m} min",
    "gui.file.saved": "Enregistré dans {path}",
    "gui.file.saved_risky": "Enregistré dans {path}. C'est un programme ou un script : il n'est pas ouvert d'ici, ouvrez-le vous-même si vous lui faites confiance.",
    "gui.file.shared": "Partagé dans la discussion.",
    "gui.menu.download_dir": "Dossier des fichiers reçus…",
    "gui.file.download_dir_title": "Dossier des fichiers reçus",
    "gui.chat.send": "Envoyer",
    "gui.chat.leave": "Quitter la discussion",
    "gui.chat.pending": "envoi…",
    "gui.chat.room": "Discussion de {name}",
    "gui.chat.input_hint": "Entrée pour envoyer, Maj+Entrée pour aller à la ligne",
    "gui.chat.no_address": "aucune adresse réseau trouvée",
    "gui.identity.title": "L'identité du serveur a changé",
    "gui.identity.body": (
        "Le serveur {host}:{port} ne présente plus la même identité que la dernière fois. "
        "C'est normal s'il a été réinstallé ou s'il a changé d'ordinateur. Sinon, quelqu'un "
        "essaie peut-être de se faire passer pour lui."
    ),
    "gui.identity.advice": (
        "Demandez à la personne qui héberge de lire son code de sécurité : faites confiance "
        "au nouveau seulement s'il correspond."
    ),
    "gui.identity.old_code": "Ancien code : {code}",
    "gui.identity.new_code": "Nouveau code : {code}",
    "gui.identity.cancel": "Annuler",
    "gui.identity.trust": "Faire confiance au nouveau",
    "gui.notice.settings_not_saved": (
        "Impossible d'enregistrer les réglages dans {path} : {detail}. "
        "L'application fonctionne, mais ne s'en souviendra pas."
    ),
    "error.no_display": "Impossible d'ouvrir la fenêtre : aucun écran n'est disponible ({detail}). Sans écran, utilisez --headless, par exemple : messagerie serve --headless",
    # Issue 14: following the talk, reconnecting, closing, typing, the safety code.
    "gui.chat.new_below": "Nouveaux messages ({count}) ↓",
    "gui.chat.unread_line": "── Non lus depuis la reconnexion ──",
    "gui.day.today": "Aujourd'hui",
    "gui.day.yesterday": "Hier",
    "gui.day.weekdays": "lundi,mardi,mercredi,jeudi,vendredi,samedi,dimanche",
    "gui.day.months": "janvier,février,mars,avril,mai,juin,juillet,août,septembre,octobre,novembre,décembre",
    "gui.day.date": "{weekday} {day} {month}",
    "gui.day.date_year": "{weekday} {day} {month} {year}",
    "gui.chat.retry_now": "Réessayer maintenant",
    "gui.chat.rejoin": "Rejoindre à nouveau",
    "gui.chat.host_code_label": "Code de sécurité, à lire aux participants :",
    "gui.chat.typing_one": "{name} écrit…",
    "gui.chat.typing_two": "{first} et {second} écrivent…",
    "gui.chat.typing_many": "Plusieurs personnes écrivent…",
    "gui.chat.status_reconnecting": "Reconnexion dans {seconds} s…",
    "gui.chat.status_retrying": "Reconnexion…",
    "gui.chat.status_room_closed": "L'hôte a fermé la discussion",
    "gui.chat.participants_offline": "Participants (hors ligne)",
    "gui.safety.step_intro": "Première connexion à cet hôte : son code de sécurité {code} doit être le même que sur son écran.",
    "gui.safety.step_compare": "Demandez à l'hôte de lire le code affiché sur son écran. Est-ce bien celui-ci ?",
    "gui.safety.step_same": "Code vérifié : vous êtes bien connecté à l'hôte.",
    "gui.safety.step_different": "Les codes diffèrent : quelqu'un se fait peut-être passer pour l'hôte. Quittez la discussion et prévenez l'hôte.",
    "gui.safety.compare_button": "Comparer le code",
    "gui.safety.same_button": "Oui, c'est le même",
    "gui.safety.different_button": "Non, il est différent",
    "gui.safety.close_button": "Fermer",
    "gui.confirm.title": "Fermer la discussion ?",
    "gui.confirm.close_one": "1 personne est connectée. Fermer la discussion pour tout le monde ?",
    "gui.confirm.close_many": "{count} personnes sont connectées. Fermer la discussion pour tout le monde ?",
    "gui.confirm.yes": "Fermer pour tout le monde",
    "gui.confirm.no": "Annuler",
    "gui.menu.notifications": "Notifications de bureau",
    "error.no_such_interface": "Carte réseau inconnue : « {interface} » (elle doit avoir une adresse IPv4).",
    "discovery.disabled": "La découverte des discussions est désactivée (--no-discovery ou MESSAGERIE_DISCOVERY=off).",
    "rooms.none": "Aucune discussion trouvée sur le réseau.",
    "rooms.line": "{name} — {host} — {where}",
    "rooms.no_tls": "(non chiffrée)",
    "rooms.suspicious": "⚠ identité différente de celle déjà connue pour cette adresse : ne vous y fiez pas",
    "rooms.added": "+",
    "rooms.removed": "-",
    "gui.rooms.column_room": "Discussion",
    "gui.rooms.column_host": "Ordinateur",
    "gui.rooms.column_address": "Adresse",
    "gui.rooms.searching": "Recherche des discussions sur le réseau…",
    "gui.rooms.pick": "Cliquez sur une discussion pour la rejoindre, ou tapez une adresse ci-dessous.",
    "gui.rooms.none": "Aucune discussion trouvée sur le réseau pour l'instant. Tapez l'adresse ci-dessous.",
    "gui.rooms.off": "La recherche automatique des discussions est désactivée. Tapez l'adresse ci-dessous.",
    "gui.rooms.suspicious": "⚠ Une discussion annonce une autre identité que celle déjà connue pour cette adresse : quelqu'un se fait peut-être passer pour elle. Ne la rejoignez pas sans vérifier le code de sécurité avec la personne qui héberge.",
    "gui.rooms.needs_password": "« {room} » demande un mot de passe : tapez-le, puis « Rejoindre ».",
    "doctor.unknown_host": "Le nom « {host} » ne correspond à aucune machine : vérifiez l'adresse (mieux vaut l'adresse IP que la personne qui héberge voit dans sa fenêtre).",
    "doctor.not_listening": "L'ordinateur {host} répond, mais rien n'écoute sur le port {port} : la discussion n'est pas créée, ou elle utilise un autre port. Demandez à la personne qui héberge de cliquer sur « Créer la discussion » et de vous lire l'adresse affichée.",
    "doctor.port_filtered": "L'ordinateur {host} répond, mais pas son port {port} : un pare-feu le bloque. Sur l'ordinateur qui héberge, sous Windows : Sécurité Windows → Pare-feu et protection du réseau → Autoriser une application via le pare-feu → Modifier les paramètres → cochez Messagerie dans « Privé ». Le réseau doit aussi être « Privé », pas « Public » (Paramètres → Réseau et Internet).",
    "doctor.nothing_answers": "Rien ne répond à l'adresse {host} : l'ordinateur est éteint ou en veille, l'adresse est fausse, ou un pare-feu bloque tout (sous Windows, le pare-feu d'un réseau « Public » ne répond à rien). Vérifiez l'adresse avec la personne qui héberge.",
    "doctor.other_subnet": "Cet ordinateur ({mine}, masque {netmask}) et {host} ne sont pas sur le même sous-réseau : la recherche automatique ne traverse pas les routeurs, et la connexion ne marche que si le réseau les relie. Vérifiez l'adresse, ou branchez les deux ordinateurs sur le même réseau (le même Wi-Fi).",
    "doctor.reachable": "{host}:{port} répond : le réseau n'est pas en cause.",
    "doctor.multicast_blocked": "{host} répond et annonce sa discussion, mais ses annonces n'arrivent pas jusqu'ici : le réseau bloque la diffusion (isolation des appareils du Wi-Fi, Wi-Fi « invités », ou routeur qui filtre le multicast). Tapez l'adresse à la main, ou désactivez l'isolation des clients dans les réglages du point d'accès.",
    "doctor.not_announced": "{host}:{port} répond, mais n'annonce aucune discussion (recherche automatique désactivée chez la personne qui héberge, ou ancienne version). Tapez l'adresse à la main.",
    "doctor.no_network": "Cet ordinateur n'est connecté à aucun réseau local (pas de carte réseau active avec une adresse). Branchez le câble ou connectez-vous au Wi-Fi.",
    "doctor.several_cards": "Cet ordinateur a plusieurs cartes réseau : {cards}. Celle utilisée est {used}. Si ce n'est pas celle du réseau de la discussion (un VPN, une machine virtuelle), déconnectez l'autre, ou lancez Messagerie avec --discovery-interface suivi du nom de la bonne carte.",
    "doctor.title": "Diagnostic :",
    "gui.start.join_password": "Mot de passe (si la discussion en demande un)",
    "gui.start.advanced": "Options avancées",
    "gui.start.tls_on": "Chiffrement : activé (TLS 1.3, identité vérifiée)",
    "gui.start.tls_off": "Chiffrement : désactivé (option --no-tls)",
    "gui.start.port_from_address": "Le port {port} est pris dans l'adresse de la discussion.",
    "gui.start.needs_password": "Cette discussion demande un mot de passe.",
    "cli.description": "Messagerie instantanée pour le réseau local.",
    "cli.usage": "utilisation : ",
    "cli.positionals": "arguments",
    "cli.options": "options",
    "cli.commands": "commandes",
    "cli.error": "{prog} : erreur : {message}",
    "cli.help": "afficher cette aide et quitter",
    "cli.version": "afficher la version et quitter",
    "cli.self_test": "vérifier l'exécutable (code de sortie 0 si tout va bien)",
    "cli.data_dir": "dossier des réglages, de l'historique et de l'identité",
    "cli.lang": "langue des messages (fr ou en)",
    "cli.discovery_interface": "annoncer et chercher les discussions sur cette carte réseau seulement",
    "cli.no_discovery": "ne pas annoncer ni chercher de discussions",
    "cli.headless": "sans fenêtre : lit l'entrée standard, écrit sur la sortie standard",
    "cli.json": "avec --headless : une ligne JSON par événement",
    "cli.no_tls": "sans chiffrement (diagnostic)",
    "cli.password": "mot de passe du salon. Préférez la variable d'environnement {env}, ou « - » pour le taper au clavier : un mot de passe écrit sur la ligne de commande est visible de tous les comptes de l'ordinateur dans la liste des processus",
    "cli.download_dir": "où vont les fichiers reçus (par défaut : le dossier Téléchargements)",
    "cli.limit": "changer une durée ou une limite (tests et mesures)",
    "cli.serve": "créer une discussion",
    "cli.serve_host": "adresse d'écoute (par défaut 0.0.0.0 : toutes les cartes réseau)",
    "cli.serve_port": "port (0 : un port libre au hasard)",
    "cli.name": "votre nom dans la discussion",
    "cli.join": "rejoindre une discussion",
    "cli.join_address": "adresse de la discussion, avec ou sans port",
    "cli.trust_new": "accepter une identité de serveur changée",
    "cli.rooms": "lister les discussions du réseau",
    "cli.rooms_json": "un objet JSON par ligne",
    "cli.rooms_timeout": "écouter pendant S secondes",
    "cli.rooms_watch": "afficher chaque changement jusqu'à la fin de --timeout",
    "cli.rooms_port": "port demandé par la sonde de diffusion (par défaut {port} ; répétable)",
    "cli.doctor": "expliquer pourquoi une connexion échoue",
    "cli.doctor_json": "un objet JSON par constat",
    "cli.doctor_timeout": "durée maximale de chaque vérification, en secondes",
    "cli.not_listed": "la discussion manque dans la liste des discussions",
    "cli.metavar_dir": "DOSSIER",
    "cli.metavar_card": "CARTE",
    "cli.metavar_path": "CHEMIN",
    "cli.metavar_password": "MOT_DE_PASSE",
    "cli.metavar_limit": "NOM=VALEUR",
    "cli.metavar_host": "ADRESSE",
    "cli.metavar_address": "ADRESSE[:PORT]",
    "cli.metavar_name": "NOM",
    # Shared files (issue 15).
    "error.file_too_large": "Fichier trop volumineux : {limit} au plus par fichier.",
    "error.file_over_quota": "Plus assez de place chez l'hôte pour ce fichier ({limit} en tout).",
    "error.bad_file_name": "Nom de fichier refusé.",
    "error.bad_token": "Autorisation de transfert inconnue.",
    "error.token_used": "Cette autorisation de transfert a déjà servi.",
    "error.token_expired": "L'autorisation de transfert a expiré. Recommencez.",
    "error.sha256_mismatch": "Le fichier ne correspond pas à son empreinte SHA-256 : il est rejeté.",
    "error.file_gone": "Ce fichier n'est plus disponible chez l'hôte.",
    "error.unknown_file": "Fichier inconnu dans cette discussion.",
    "error.upload_busy": "Ce fichier est déjà en cours d'envoi.",
    "error.too_much_data": "Plus d'octets reçus que la taille annoncée.",
    "error.unexpected_data": "Données reçues avant l'autorisation de transfert.",
    "error.files_disabled": "Cette discussion ne partage pas de fichiers.",
    "error.file_unreadable": "Impossible de lire le fichier : {detail}.",
    "error.file_unwritable": "Impossible d'écrire le fichier dans {path} : {detail}.",
    "error.transfer_failed": "Le transfert a échoué après plusieurs tentatives.",
    "error.transfer_cancelled": "Transfert annulé.",
    "error.cancelled": "vous l'avez annulé.",
    "file_name.not_a_string": "Nom de fichier refusé : ce n'est pas du texte.",
    "file_name.empty": "Nom de fichier refusé : il est vide.",
    "file_name.bidi": "Nom de fichier refusé : il contient des caractères qui inversent le sens du texte.",
    "file_name.control": "Nom de fichier refusé : il contient des caractères de contrôle.",
    "file_name.separator": "Nom de fichier refusé : il contient un séparateur de dossier (/ ou \\).",
    "file_name.dot_dot": "Nom de fichier refusé : il remonte dans les dossiers (..).",
    "file_name.absolute": "Nom de fichier refusé : c'est un chemin absolu ou un lecteur.",
    "file_name.forbidden": "Nom de fichier refusé : il contient un caractère interdit sous Windows.",
    "file_name.reserved": "Nom de fichier refusé : c'est un nom réservé par Windows (CON, NUL…).",
    "file_name.trailing": "Nom de fichier refusé : il finit par un point ou une espace.",
    "file_name.too_long": "Nom de fichier refusé : plus de 200 octets.",
    "file.room_text": "Fichier partagé : {name} ({size})",
    "line.file_offered": "« {name} » ({size}), de {sender} : pour le télécharger, /get {id}",
    "line.file_sent": "Fichier envoyé : « {name} »",
    "line.file_received": "Fichier reçu : {path}",
    "line.file_failed": "Transfert de « {name} » impossible : {reason}",
    "size.point": ",",
    "size.bytes": "{n} o",
    "size.kb": "{n} Ko",
    "size.mb": "{n} Mo",
    "size.gb": "{n} Go",
    "size.tb": "{n} To",
    # Private messages, replies, mentions (issue 17).
    "line.private_chat": "{name} → {to} (privé) : {text}",
    "line.reply": "↪ en réponse à {name} : « {text} »",
    "line.refused": "Message non envoyé : {reason}",
    "error.forged_sender": "Le message prétendait venir de quelqu'un d'autre : refusé.",
    "error.self_recipient": "Impossible de s'écrire à soi-même en privé.",
    "error.unknown_recipient": "Destinataire inconnu dans cette discussion.",
    "error.no_such_name": "Personne ne s'appelle « {name} » dans cette discussion.",
    "error.ambiguous_recipient": "Plusieurs personnes s'appellent « {name} » : précisez le nom exact.",
    "error.recipient_cannot_receive": "Cette personne utilise une version de Messagerie qui ne reçoit pas les messages privés.",
    "error.unknown_reply": "Le message auquel vous répondez n'est plus dans la discussion.",
    "gui.chat.private_sender": "{name} → {to} (privé)",
}
