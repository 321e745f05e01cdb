"""Dossier status by chat: receipt codes, verification, plain-Vietnamese status, notifications."""
