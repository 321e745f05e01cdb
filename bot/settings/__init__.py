"""The sections of config.yml: channels, the clerks' side (staff console, handoff) and operations.

``bot.config.Settings`` assembles them; a package reads its own section from here. They
import nothing else of the application, so the settings and the packages they configure
never import each other in a cycle.
"""
