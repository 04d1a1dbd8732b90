"""App Home and owner routing: publishing the book, who to tag, Block Kit."""
