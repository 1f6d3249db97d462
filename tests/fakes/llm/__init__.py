"""A fake LLM server speaking the Anthropic Messages and Gemini APIs on 127.0.0.1, driven by scripts."""

from tests.fakes.llm.scripts import (
    Cut,
    Drop,
    Echo,
    Fault,
    HttpError,
    NoTerminal,
    Reply,
    Script,
    Stall,
    StreamError,
    Text,
    ToolCall,
    script_from_json,
)
from tests.fakes.llm.server import FakeLLMServer, RecordedRequest

__all__ = [
    "Cut",
    "Drop",
    "Echo",
    "FakeLLMServer",
    "Fault",
    "HttpError",
    "NoTerminal",
    "RecordedRequest",
    "Reply",
    "Script",
    "Stall",
    "StreamError",
    "Text",
    "ToolCall",
    "script_from_json",
]
