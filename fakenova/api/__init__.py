"""The HTTP layer: blueprints for each service and the one place errors become fault bodies."""
