"""Live handoff to a person: "gặp cán bộ" queues the chat for a clerk, who answers from the staff console."""
