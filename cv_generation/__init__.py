"""Synthetic CV generator for cvchat: multilingual CVs as JSON ground truth plus PDFs in several layouts."""

from cv_generation.corpus import decode_cv, encode_json, write_corpus
from cv_generation.generate import REFERENCE_DATE, generate_cv, years_of_experience
from cv_generation.model import CV

__all__ = ["CV", "REFERENCE_DATE", "decode_cv", "encode_json", "generate_cv", "write_corpus", "years_of_experience"]
