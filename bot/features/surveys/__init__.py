"""Satisfaction surveys in chat (SIPAS-style), feedback tickets, staff reports and exports.

The survey definitions, engine and index are in the pure ``surveys`` package; this
package stores, invites, converses and exports.
"""
