"""cvchat: chat with an assistant about a corpus of CVs."""
