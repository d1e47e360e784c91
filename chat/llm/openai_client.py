"""The OpenAI-compatible `LLMClient`: Chat Completions through the official SDK, one pooled client per configuration."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import openai
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chat import prompts
from chat.errors import LLMBadOutput, LLMTimeout, LLMUnavailable
from chat.llm.base import Completion, DeltaCallback, LLMRequest

_clients: dict[tuple, openai.OpenAI] = {}
_clients_lock = threading.Lock()


def sdk_client() -> openai.OpenAI:
    """A shared SDK client per configuration, so HTTP connections are pooled across turns (and embeddings)."""
    key = (settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL, settings.LLM_TIMEOUT, settings.LLM_MAX_RETRIES)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = openai.OpenAI(
                # Local servers (Ollama, vLLM, llama.cpp) accept any key, but the SDK insists on one.
                api_key=settings.OPENAI_API_KEY or "not-needed",
                base_url=settings.OPENAI_BASE_URL or None,
                timeout=settings.LLM_TIMEOUT,
                max_retries=settings.LLM_MAX_RETRIES,
            )
            _clients[key] = client
        return client


def _chat_completion(model: str, messages: list[dict], **extra: Any) -> Any:
    """POST /chat/completions through the shared SDK client, with the body as it goes on the wire.

    `chat.completions.create()` first walks every parameter against the SDK's
    TypedDicts to rename and reformat fields; these messages are already plain
    role/content strings in the wire format, so that walk (a third of the SDK's
    CPU per call) is skipped. Auth, retries, timeouts, error mapping, response
    parsing and streaming are the SDK's own.
    """
    stream = bool(extra.get("stream"))
    return sdk_client().post(
        "/chat/completions",
        body={"model": model, "messages": messages, **extra},
        cast_to=openai.types.chat.ChatCompletion,
        options={"security": {"bearer_auth": True}},
        stream=stream,
        stream_cls=openai.Stream[openai.types.chat.ChatCompletionChunk],
    )


class OpenAIClient:
    """Chat Completions through the official `openai` SDK, with explicit timeout and retries."""

    mode = "openai"
    can_repair = True

    def model_for(self, stage: str) -> str:
        if stage == prompts.STAGE_SUMMARY:
            return settings.OPENAI_SUMMARY_MODEL or settings.OPENAI_MODEL
        return settings.OPENAI_SQL_MODEL or settings.OPENAI_MODEL

    def complete(self, request: LLMRequest, *, on_delta: DeltaCallback | None = None) -> Completion:
        model = self.model_for(request.stage)
        started = time.monotonic()
        try:
            if on_delta is None:
                completion = self._complete(model, request.messages)
            else:
                completion = self._stream(model, request.messages, on_delta)
        except openai.APITimeoutError:
            raise LLMTimeout()
        except openai.APIStatusError as exc:
            raise LLMUnavailable(
                gettext("The language model's server answered with HTTP %(status)s. Please try again shortly.")
                % {"status": exc.status_code}
            )
        except openai.APIConnectionError:
            raise LLMUnavailable(_("The language model's server could not be reached. Please try again shortly."))
        except (openai.APIResponseValidationError, json.JSONDecodeError):
            raise LLMBadOutput(_("The language model's reply could not be read."))
        except openai.APIError:
            # Anything else the SDK reports (e.g. an error event inside a stream) is the server failing us.
            raise LLMUnavailable()
        completion.elapsed_ms = int((time.monotonic() - started) * 1000)
        return completion

    def _complete(self, model: str, messages: list[dict]) -> Completion:
        response = _chat_completion(model, messages)
        if not isinstance(response, openai.types.chat.ChatCompletion) or not response.choices:
            raise LLMBadOutput(_("The language model sent an empty reply."))
        usage = response.usage
        return Completion(
            text=response.choices[0].message.content or "",
            model=response.model or model,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )

    def _stream(self, model: str, messages: list[dict], on_delta: DeltaCallback) -> Completion:
        # The SDK's timeout bounds each wait for the next chunk, not the whole reply: a model that
        # keeps trickling words would hold the worker past uWSGI's harakiri. `LLM_TIMEOUT` is the
        # whole call's budget here too.
        deadline = time.monotonic() + settings.LLM_TIMEOUT
        pieces: list[str] = []
        completion = Completion(text="", model=model)
        stream = _chat_completion(model, messages, stream=True, stream_options={"include_usage": True})
        with stream:
            for chunk in stream:
                if chunk.model:
                    completion.model = chunk.model
                if chunk.usage:
                    completion.prompt_tokens = chunk.usage.prompt_tokens
                    completion.completion_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices:
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        pieces.append(delta)
                        on_delta(delta)
                if time.monotonic() > deadline:
                    raise LLMTimeout()
        completion.text = "".join(pieces)
        return completion
