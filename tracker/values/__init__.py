"""The vocabulary of the domain, without I/O: errors, money, exchange rates, parsing of user
input, controlled vocabularies, field specifications and wording."""
