@signals
Feature: The cache forgets a page the moment its content changes
  In order that no reader ever reads an outdated version of a post
  As an editor
  I want every stored page that shows a post forgotten as soon as I change, unpublish or delete it

  Background:
    Given a published post "Hello world" at "/blog/hello-world/"

  Scenario: Saving a post fills in its reading time, once
    When an editor saves "Hello world" with a body of 450 words
    Then "Hello world" has a reading time of 3 minutes in the database
    And the reading time was written once

  Scenario: A new title reaches the next reader of the post and of the front page
    Given readers have seen "/blog/hello-world/" served from memcached
    And readers have seen "/" served from memcached
    When an editor changes the title of "Hello world" to "Hello again"
    And another reader visits "/blog/hello-world/"
    Then the reader sees "Hello again"
    When another reader visits "/"
    Then the reader sees "Hello again"
    And the reader does not see "Hello world"

  Scenario Outline: A post taken down (<how>) gives its next reader the page-not-found page
    Given readers have seen "/blog/hello-world/" served from memcached
    When <taking it down>
    And another reader visits "/blog/hello-world/"
    Then the reader gets the site's page-not-found page

    Examples:
      | how                     | taking it down                                |
      | deleted                 | an editor deletes "Hello world"               |
      | unpublished             | an editor unpublishes "Hello world"           |
      | by a management command | an operator runs "unpublish hello-world"      |

  @browser @slow
  Scenario: An edit made in the admin reaches the next reader
    Given readers have seen "/blog/hello-world/" served from memcached
    And the editor "Erin" exists with password "a-long-secret"
    When Erin changes the title of "Hello world" to "Hello from the admin" in the admin
    And another reader visits "/blog/hello-world/"
    Then the reader sees "Hello from the admin"
