@copy
Feature: Editors duplicate a post to start a new one from it
  In order to write a follow-up without retyping the first post
  As an editor
  I want to copy a post to a new draft, with its own address and the same tags

  Background:
    Given a published post "Hello world" at "/blog/hello-world/" tagged "news" and "cache"

  Scenario: The copy is a draft with its own address and the same tags
    When an editor duplicates "Hello world"
    Then there is a draft "Hello world" at "/blog/hello-world-copy/" tagged "news" and "cache"
    And "Hello world" at "/blog/hello-world/" is still published

  Scenario: A copy is not shown to readers until it is published
    When an editor duplicates "Hello world"
    And a reader visits "/blog/hello-world-copy/"
    Then the reader gets the site's page-not-found page

  Scenario: Duplicating twice still works
    When an editor duplicates "Hello world"
    And an editor duplicates "Hello world"
    Then there are drafts at "/blog/hello-world-copy/" and "/blog/hello-world-copy-2/"

  @browser @slow
  Scenario: An editor duplicates a post in the admin
    Given the editor "Erin" exists with password "a-long-secret"
    When Erin duplicates "Hello world" in the admin
    Then there is a draft "Hello world" at "/blog/hello-world-copy/" tagged "news" and "cache"
