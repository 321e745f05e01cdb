"""The published survey results page (`/ket-qua`): the figures /ketqua gives in chat, by month, with a chart."""
