"""Domain: entities, run events, ports and errors; msgspec and the standard library only."""
