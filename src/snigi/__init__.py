"""SNIGI: Système National Intégré de Gestion et d'Information de la couverture médicale de base."""

__version__ = "0.1.0"
