"""Running the project on this machine: the dev server, the Lambda emulator stack."""
