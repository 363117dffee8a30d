"""Alert webhooks: subscriptions, Standard Webhooks signing, SSRF guard, delivery."""
