"""State: the account table, the salesperson table, the suppliers' derived arrays and the contact network."""
