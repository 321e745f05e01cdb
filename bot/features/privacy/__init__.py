"""Personal-data rights: see what is held (/dulieu), erase it (/xoadulieu), consent records, retention."""
