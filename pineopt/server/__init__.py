"""The server side of PineOpt: checks and the sandbox for uploaded Python strategies."""
