"""Running batches on a queue: embedded in the service, or on Redis for several machines."""
