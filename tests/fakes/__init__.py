"""Fakes of outside services that tests reach over real connections."""
