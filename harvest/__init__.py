"""harvest: Lettuce's command line on behave's engine."""
