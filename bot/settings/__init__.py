"""The sections of config.yml, one module each (channels, handoff, staff console, operations).

``bot.config.Settings`` assembles them; a package reads its own section from here. They
import nothing else of the application, so the settings and the packages they configure
never import each other in a cycle.
"""
