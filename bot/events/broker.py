"""Rasa's Pika event broker, without a deep copy of every event for a debug line.

Rasa 3.6's `PikaEventBroker._publish` deep-copies each event (parse data, intent
ranking, entities and all) to log a reduced version of it at debug level, whether or
not debug logging is on: 6 % of a production Rasa server's event loop under load. This
broker publishes the same message and makes the reduced copy only when it is logged.

    event_broker:
      type: bot.events.broker.PikaEventBroker
      ...                  # every option of Rasa's `type: pika`
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

import structlog
from rasa.core.brokers import pika as rasa_pika
from rasa.core.brokers.pika import RABBITMQ_EXCHANGE
from rasa.shared.core.events import remove_parse_data

logger = logging.getLogger(rasa_pika.__name__)
structlogger = structlog.get_logger()


class PikaEventBroker(rasa_pika.PikaEventBroker):
    async def _publish(self, event: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> None:
        if self._exchange is None:
            return
        try:
            await self._exchange.publish(self._message(event, headers), "")
            if logger.isEnabledFor(logging.DEBUG):
                structlogger.debug(
                    "pika.events.publish",
                    event_info="Logging a reduced version of the Pika event",
                    rabbitmq_exchange=RABBITMQ_EXCHANGE,
                    host=self.host,
                    rasa_event=remove_parse_data(event),
                )
        except Exception as error:
            structlogger.error(
                "pika.events.publish.failed",
                event_info="Logging a reduced version of the failed Pika event",
                host=self.host,
                rasa_event=remove_parse_data(event),
            )
            if self.should_keep_unpublished_messages:
                self._unpublished_events.append(event)
            if self.raise_on_failure:
                await self.close()
                raise error
